/** C0 and C1 control characters and DEL. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, but for tab, line feed and carriage return, which multi-line fields accept. */
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

const MULTILINE_FIELDS = Symbol('multilineFields');

/** Marks a request DTO field that may hold line breaks (and tabs); every other string is one line. */
export function Multiline(): PropertyDecorator {
  return (target, property) => {
    const owner = target as { [MULTILINE_FIELDS]?: Set<string | symbol> };
    const inherited = owner[MULTILINE_FIELDS];
    owner[MULTILINE_FIELDS] = new Set([...(inherited ?? []), property]);
  };
}

function multilineFields(metatype: unknown): ReadonlySet<string | symbol> {
  const prototype = (metatype as { prototype?: { [MULTILINE_FIELDS]?: Set<string | symbol> } } | undefined)?.prototype;
  return prototype?.[MULTILINE_FIELDS] ?? new Set();
}

/** Why a string from outside is refused, or undefined when it is acceptable. */
export function textProblem(text: string, multiline = false): string | undefined {
  if (!text.isWellFormed()) return 'is not well-formed Unicode';
  if ((multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(text)) {
    return multiline ? 'contains a control character' : 'contains a control character or line break';
  }
  return undefined;
}

/**
 * The problems of every string in a request value (a body, a query or a path parameter), each named by
 * its path. Line breaks are accepted only in the top-level fields the DTO marks `@Multiline()`.
 */
export function untrustedTextProblems(value: unknown, metatype?: unknown, name = 'value'): string[] {
  const problems: string[] = [];
  const multiline = multilineFields(metatype);
  const walk = (node: unknown, path: string, allowBreaks: boolean): void => {
    if (typeof node === 'string') {
      const problem = textProblem(node, allowBreaks);
      if (problem) problems.push(`${path} ${problem}`);
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, `${path}[${index}]`, false));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        const keyProblem = textProblem(key);
        if (keyProblem) problems.push(`a field name ${keyProblem}`);
        else walk(item, `${path}.${key}`, false);
      }
    }
  };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem) problems.push(`a field name ${keyProblem}`);
      else walk(item, key, multiline.has(key));
    }
  } else {
    walk(value, name, false);
  }
  return problems;
}
