// After a finished run: whether Teachable Machine's metadata.json was written, read from tl.json.
import * as fs from 'fs';
import * as path from 'path';

export type TeachableMachineNote = { metadataFile?: string; notWritten?: string } | undefined;

/** The run's tl.json (just written) teachableMachine record; undefined when absent. */
export function teachableMachineNote(outDir: string): TeachableMachineNote {
  try {
    return (JSON.parse(fs.readFileSync(path.join(outDir, 'tl.json'), 'utf8')) as { teachableMachine?: TeachableMachineNote }).teachableMachine;
  } catch {
    return undefined;
  }
}

/** "\nTeachable Machine: ..." for the closing lines, or '' when tl.json says nothing. */
export function teachableMachineLine(outDir: string, note: TeachableMachineNote = teachableMachineNote(outDir)): string {
  if (note?.metadataFile) return `\nTeachable Machine: ${path.join(outDir, note.metadataFile)} written (tmImage.load(model.json, metadata.json) reads the run)`;
  if (note?.notWritten) return `\nTeachable Machine: no metadata.json. ${note.notWritten}`;
  return '';
}
