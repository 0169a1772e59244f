// The Project screen's address: #/project (also the start page when the address names nothing).
export type ProjectRoute = { screen: 'project' };

export const projectRoute = {
  home: { screen: 'project' } as ProjectRoute,
  parse: (): ProjectRoute => ({ screen: 'project' }),
  format: (): string[] => [],
};
