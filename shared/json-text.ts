/**
 * JSON read from a file, with an error that says where the text is wrong
 * and never quotes it: the files read this way may hold secrets, and
 * JSON.parse's own messages show a snippet of the text (a token written in
 * single quotes would appear in a warning). JSON.parse decides what is valid;
 * jsonc-parser, held to strict JSON (no comments, no trailing commas), only
 * locates the first error.
 */
import { parse as locateErrors, printParseErrorCode, type ParseError } from 'jsonc-parser';

export class JsonTextError extends Error {
  constructor(
    readonly fileName: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly kind: string,
  ) {
    super(`${fileName} is not valid JSON ${describePlace(line, column, kind)}`);
    this.name = 'JsonTextError';
  }

  /** "at line 3, column 14: invalid symbol", for a message of the caller's own form. */
  get place(): string {
    return describePlace(this.line, this.column, this.kind);
  }
}

/** The file's value; a JsonTextError naming `fileName`, the line and column (1-based) when the text is not JSON. */
export function parseJsonText(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw jsonTextError(text, fileName);
  }
}

function jsonTextError(text: string, fileName: string): JsonTextError {
  const errors: ParseError[] = [];
  locateErrors(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return new JsonTextError(fileName, null, null, 'not accepted by the JSON parser');
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - (before.lastIndexOf('\n') + 1) + 1;
  return new JsonTextError(fileName, line, column, describe(printParseErrorCode(first.error)));
}

function describePlace(line: number | null, column: number | null, kind: string): string {
  return line === null ? `(${kind})` : `at line ${line}, column ${column}: ${kind}`;
}

/** "CloseBraceExpected" -> "close brace expected". */
function describe(code: string): string {
  return code.startsWith('<') ? 'invalid JSON' : code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
