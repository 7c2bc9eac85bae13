export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface SeriesSelector {
  metric: string;
  matchers: LabelMatcher[];
  /** The innermost function or aggregation the selector is an argument of ('' at the top level). */
  within: string;
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
]);
const LABEL_LIST = /^(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/;
const IDENTIFIER = /^[a-zA-Z_:][\w:]*/;
/** Whatever else an expression holds: numbers and durations, Grafana variables, ranges, operators, commas. */
const SKIPPED = /^(?:\s+|\d[\w.]*|\$\w+|\[[^\]]*\]|==|!=|>=|<=|[-+*/%^<>,])/;
const MATCHER = /^\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/;

function parseMatchers(block: string, expr: string): LabelMatcher[] {
  const matchers: LabelMatcher[] = [];
  let rest = block;
  while (rest.trim() !== '') {
    const match = MATCHER.exec(rest);
    if (!match) throw new Error(`Unreadable label matchers {${block}} in: ${expr}`);
    matchers.push({ label: match[1], op: match[2] as LabelMatcher['op'], value: match[3] });
    rest = rest.slice(match[0].length);
  }
  return matchers;
}

/**
 * The series selectors of a PromQL expression, enough of the grammar for dashboards and alert rules:
 * function calls, aggregations with by/without, binary operators with on/ignoring/group_*, ranges,
 * offsets and Grafana's $variables. Anything else throws, so an expression this reader can't follow
 * fails the test instead of passing unchecked.
 */
export function seriesSelectors(expr: string): SeriesSelector[] {
  const selectors: SeriesSelector[] = [];
  const calls: string[] = [];
  let pendingCall: string | undefined;
  let last: SeriesSelector | undefined;
  let rest = expr;
  while (rest !== '') {
    const skipped = LABEL_LIST.exec(rest) ?? SKIPPED.exec(rest);
    if (skipped) {
      if (!/^\s+$/.test(skipped[0])) last = undefined;
      rest = rest.slice(skipped[0].length);
      continue;
    }
    if (rest[0] === '(') {
      calls.push(pendingCall ?? '');
      pendingCall = undefined;
      last = undefined;
      rest = rest.slice(1);
      continue;
    }
    if (rest[0] === ')') {
      if (calls.pop() === undefined) throw new Error(`Unbalanced parentheses in: ${expr}`);
      last = undefined;
      rest = rest.slice(1);
      continue;
    }
    if (rest[0] === '{') {
      const end = rest.indexOf('}');
      if (!last || end < 0) throw new Error(`A label matcher block without a metric name in: ${expr}`);
      last.matchers = parseMatchers(rest.slice(1, end), expr);
      last = undefined;
      rest = rest.slice(end + 1);
      continue;
    }
    const identifier = IDENTIFIER.exec(rest);
    if (!identifier) throw new Error(`Unreadable PromQL at "${rest.slice(0, 20)}" in: ${expr}`);
    const name = identifier[0];
    rest = rest.slice(name.length);
    last = undefined;
    if (/^\s*(?:(?:by|without)\s*\([^)]*\)\s*)?\(/.test(rest)) pendingCall = name;
    else if (!KEYWORDS.has(name)) {
      last = { metric: name, matchers: [], within: calls[calls.length - 1] ?? '' };
      selectors.push(last);
    }
  }
  if (calls.length > 0) throw new Error(`Unbalanced parentheses in: ${expr}`);
  return selectors;
}
