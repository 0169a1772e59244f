/** Shown instead of the app when the page cannot reach its backend (no token, server stopped, refused). */
export function ConnectError({ message }: { message: string }) {
  return (
    <div className="splash" role="alert" data-testid="connect-error">
      <h1>Neuron Workbench</h1>
      <p className="splash-message">{message}</p>
      <ul className="splash-hints">
        <li>
          Start the workbench in browser mode with <code>npm run web</code> and open the link it prints (it ends in <code>#token=…</code>).
        </li>
        <li>Each launch prints a new link; links from an earlier launch stop working.</li>
        <li>
          Or start the desktop app with <code>npm start</code>.
        </li>
      </ul>
    </div>
  );
}
