/**
 * The desktop's question before a program saved through the app runs: a
 * native message box, owned by main (the page cannot draw or answer it),
 * showing the exact command line, the working folder and the names of the
 * environment it gets. "Don't run" is the default and what Escape does. One
 * question at a time; a question withdrawn (the entry changed again, the app
 * quits) closes its box and counts as a refusal.
 */
import type { MessageBoxOptions, MessageBoxReturnValue } from 'electron';
import { commandLine } from '../../shared/command-line';
import type { ProgramConfirmation, ProgramRequest } from '../agent/tools/mcp/program-approval';

const RUN = 0;
const DONT_RUN = 1;

export function programDialogOptions(request: ProgramRequest, signal?: AbortSignal): MessageBoxOptions {
  const lines = [`Command line:\n${commandLine(request.command, request.args)}`];
  if (request.cwd) lines.push(`In the folder: ${request.cwd}`);
  if (request.envNames.length) lines.push(`With the environment variables: ${request.envNames.join(', ')}`);
  lines.push('It runs with your permissions and can do anything you can on this computer. Run it only if you added it yourself and trust it.');
  return {
    type: 'warning',
    title: 'Run a program?',
    message: `The MCP server "${request.server}" wants to run a program on this computer.`,
    detail: lines.join('\n\n'),
    buttons: ['Run', "Don't run"],
    defaultId: DONT_RUN,
    cancelId: DONT_RUN,
    noLink: true,
    ...(signal ? { signal } : {}),
  };
}

/** Whether the box was answered "Run". */
export function allowedBy(result: Pick<MessageBoxReturnValue, 'response'>): boolean {
  return result.response === RUN;
}

/** The confirmation main gives the MCP servers, over a function that shows a message box (Electron's `dialog.showMessageBox`). */
export function programConfirmation(show: (options: MessageBoxOptions) => Promise<Pick<MessageBoxReturnValue, 'response'>>): ProgramConfirmation {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    confirm(request, signal) {
      const answer = queue.then(async () => {
        if (signal.aborted) return false;
        return allowedBy(await show(programDialogOptions(request, signal))) && !signal.aborted;
      });
      queue = answer.catch(() => {});
      return answer;
    },
  };
}
