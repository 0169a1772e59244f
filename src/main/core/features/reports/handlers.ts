import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { writeFileSafely } from '../../platform/files/safeWrite';
import { buildReport, previewOf, sectionInfo } from './document';
import { exportReport } from './exportReport';
import { resolveScope } from './scope';
import { reportSource } from './source';

type ReportMethods = 'report.sections' | 'report.preview' | 'report.export' | 'figure.save';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Figures the app drew: SVG markup as text, PNG bytes as base64; checked to be what they claim before writing. */
function figureBytes(format: 'svg' | 'png', content: string): Buffer {
  if (format === 'svg') {
    const head = content.trimStart().slice(0, 300);
    if (!/^(<\?xml[^>]*>\s*)?<svg[\s>]/.test(head))
      throw new AppError('bad_input', 'figure.save: the SVG content does not start with an <svg> element.');
    if (/<script[\s>]/i.test(content)) throw new AppError('bad_input', 'figure.save: an SVG figure must not contain a <script>.');
    return Buffer.from(content, 'utf8');
  }
  const bytes = Buffer.from(content, 'base64');
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE))
    throw new AppError('bad_input', 'figure.save: the PNG content is not base64 of a PNG file.');
  return bytes;
}

/**
 * Handlers of reports and figures. `handlers` is the backend's whole contract (given by the composition root):
 * sections read their numbers through it, exactly as the app and the CLI do.
 */
export function createReportHandlers(state: BackendState, handlers: () => Handlers<Contract>): Pick<Handlers<Contract>, ReportMethods> {
  return {
    'report.sections': async ({ run }, ctx) =>
      sectionInfo(
        await resolveScope({ run, neurons: 'none', images: false }, reportSource(handlers, ctx.signal), ctx.signal, () => undefined),
      ),
    'report.preview': async (spec, ctx) =>
      previewOf(await buildReport(spec, reportSource(handlers, ctx.signal), ctx.signal, () => undefined)),
    'report.export': (input, ctx) =>
      exportReport(input, reportSource(handlers, ctx.signal), ctx, {
        protectedProjects: state.openProjectPaths(),
        hostPrinter: state.opts.printPdf,
      }),
    'figure.save': ({ format, content, path, overwrite }) =>
      writeFileSafely({ path, overwrite, protectedProjects: state.openProjectPaths() }, (sink) => sink.write(figureBytes(format, content))),
  };
}
