/**
 * UTC cron expressions for the scheduler: validation (`parseCron`, typed `CronError` naming the field at fault) and
 * fire-time computation over croner 9 (`nextFireTimes`, `fireTimesBetween`, `lastFireTimeBetween`).
 *
 * Syntax (what the relay accepts; see indexer/relay/README.md "Cron expressions"):
 * - 5 fields `minute hour day-of-month month day-of-week`, or 6 fields with `second` first; one space between
 *   fields, characters `0-9 * , - /` only, at most MAX_CRON_LENGTH (128) bytes. This is exactly the syntactic check
 *   ScheduleRegistry._checkCron makes on-chain (same field numbers: 1-based as written, 0 = the whole expression),
 *   so whatever the chain refuses the API refuses with the same field; the API additionally checks every value.
 * - A field is a comma list of items: `*`, `*\/step`, `n`, `a-b`, `a-b/step`. Ranges: second and minute 0-59, hour
 *   0-23, day-of-month 1-31, month 1-12, day-of-week 0-7 (0 and 7 are Sunday). A range needs a <= b (no wrap-around);
 *   a step is 1..(size of the field). `n/step` (a start without an end) is refused: Vixie cron rejects it while
 *   croner and cron-parser read it as `n-max/step`; write `n-max/step`. No names (MON, JAN), no `L`, `#`, `?`, `@daily`.
 * - An expression that can never fire (day-of-month only 30 or 31 with month 2, 31 with only 30-day months) is refused.
 *
 * Semantics:
 * - Times are UTC, with one-second resolution; a 5-field expression fires at second 0 of each matching minute.
 * - Day-of-month and day-of-week follow Vixie cron (cron.c find_jobs / entry.c) exactly: when the day-of-month field
 *   or the day-of-week field starts with `*` (`*`, `*\/2`, `*,5`), a day must match BOTH fields (the starred one
 *   usually matches every day); when neither starts with `*` (both restricted, e.g. `13` and `5`), a day matching
 *   EITHER fires ("Friday the 13th" fires every 13th and every Friday). croner's `legacyMode` (default true = OR)
 *   and cron-parser both test for a field that is exactly `*` instead of one that starts with `*`, so they OR
 *   `*\/2` with a day-of-week where Vixie ANDs; we pass croner `legacyMode: false` (AND) for expressions whose
 *   day-of-month or day-of-week starts with `*`, and the default (OR) otherwise, which gives Vixie's rule.
 * - Fire times are computed up to the year 3000 (croner's bound): past it, the functions return fewer times / null.
 */
import { Cron } from "croner";
import { RelayError } from "../errors.ts";

/** Longest expression accepted, in bytes (= ScheduleRegistry.MAX_CRON_LENGTH). */
export const MAX_CRON_LENGTH = 128;

export type CronFieldName = "second" | "minute" | "hour" | "dayOfMonth" | "month" | "dayOfWeek";

const FIELD_LABELS: Record<CronFieldName, string> = {
  second: "second",
  minute: "minute",
  hour: "hour",
  dayOfMonth: "day-of-month",
  month: "month",
  dayOfWeek: "day-of-week",
};

const FIELD_BOUNDS: Record<CronFieldName, { min: number; max: number }> = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dayOfMonth: { min: 1, max: 31 },
  month: { min: 1, max: 12 },
  dayOfWeek: { min: 0, max: 7 },
};

const FIVE_FIELDS: readonly CronFieldName[] = ["minute", "hour", "dayOfMonth", "month", "dayOfWeek"];
const SIX_FIELDS: readonly CronFieldName[] = ["second", ...FIVE_FIELDS];

/** Days in each month (index 0 = January), February counted as 29 (it has 29 days in leap years). */
const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A cron expression the relay refuses. `field` is the 1-based field at fault as written (in a 6-field expression
 * field 1 is the second), 0 when the whole expression is (empty, too long, not 5 or 6 fields) — the same numbering
 * as the contract's `ScheduleRegistryInvalidCron(expr, field)`. `fieldName` names it (null for field 0).
 */
export class CronError extends RelayError {
  readonly expr: string;
  readonly field: number;
  readonly fieldName: CronFieldName | null;
  readonly reason: string;

  constructor(expr: string, field: number, fieldName: CronFieldName | null, reason: string) {
    const label = fieldName === null ? "" : ` (${FIELD_LABELS[fieldName]})`;
    const where = field === 0 ? "" : ` field ${field}${label}:`;
    super("cron_invalid", `Invalid cron expression ${JSON.stringify(expr)}:${where} ${reason}`, {
      expr,
      field,
      fieldName,
      reason,
    });
    this.name = "CronError";
    this.expr = expr;
    this.field = field;
    this.fieldName = fieldName;
    this.reason = reason;
  }
}

/** A validated cron expression. Build it with `parseCron`; treat it as opaque apart from these fields. */
export interface CronSpec {
  /** The expression as given. */
  readonly expr: string;
  /** 6 fields (seconds given) or 5 (fires at second 0). */
  readonly hasSeconds: boolean;
  /** The values each field allows, sorted; day-of-week 0-6 (7 folded into 0); `second` is [0] without seconds. */
  readonly values: Readonly<Record<CronFieldName, readonly number[]>>;
  /**
   * How day-of-month and day-of-week combine (Vixie): "and" when either field starts with `*`, "or" when both
   * are restricted.
   */
  readonly dayMatch: "and" | "or";
}

const crons = new WeakMap<CronSpec, Cron>();

/**
 * The contract's syntactic check (ScheduleRegistry._checkCron), byte for byte: null when it passes, else the field
 * it reverts with (1-based, 0 = whole expression) and why.
 */
export function checkCronSyntax(expr: string): { field: number; reason: string } | null {
  const bytes = new TextEncoder().encode(expr);
  if (bytes.length > MAX_CRON_LENGTH) {
    return { field: 0, reason: `${bytes.length} bytes, more than ${MAX_CRON_LENGTH}` };
  }
  let field = 1;
  let fieldLength = 0;
  for (const c of bytes) {
    if (c === 0x20) {
      if (fieldLength === 0) return { field, reason: "empty field (fields are separated by exactly one space)" };
      if (field === 6) return { field: 0, reason: "more than 6 fields" };
      field += 1;
      fieldLength = 0;
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2a || c === 0x2c || c === 0x2d || c === 0x2f) {
      fieldLength += 1;
    } else {
      const shown = c >= 0x21 && c <= 0x7e ? JSON.stringify(String.fromCharCode(c)) : `byte 0x${c.toString(16).padStart(2, "0")}`;
      return { field, reason: `${shown} is not allowed (only 0-9 * , - / and single spaces)` };
    }
  }
  if (fieldLength === 0) {
    return bytes.length === 0
      ? { field: 0, reason: "empty expression" }
      : { field, reason: "empty field (trailing space)" };
  }
  if (field < 5) return { field: 0, reason: `${field} field${field === 1 ? "" : "s"}; expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)` };
  return null;
}

const NUMBER = /^[0-9]+$/;

/** Parses one field's comma list into its set of values; throws CronError naming the field. */
function parseField(expr: string, field: number, name: CronFieldName, text: string): number[] {
  const { min, max } = FIELD_BOUNDS[name];
  const size = name === "dayOfWeek" ? 7 : max - min + 1;
  const fail = (reason: string): never => {
    throw new CronError(expr, field, name, reason);
  };
  const num = (s: string, item: string): number => {
    if (!NUMBER.test(s)) fail(`${JSON.stringify(item)} is not a value, range or step (expected *, */s, n, a-b or a-b/s)`);
    const v = Number.parseInt(s, 10);
    if (v < min || v > max) fail(`${s} is out of range ${min}-${max}`);
    return v;
  };
  const set = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") fail("empty list item (stray comma)");
    const slash = item.split("/");
    if (slash.length > 2) fail(`${JSON.stringify(item)} has more than one /`);
    const [base = "", stepText] = slash;
    let step = 1;
    if (stepText !== undefined) {
      if (!NUMBER.test(stepText)) fail(`step ${JSON.stringify(stepText)} in ${JSON.stringify(item)} is not a number`);
      step = Number.parseInt(stepText, 10);
      if (step < 1 || step > size) fail(`step ${stepText} in ${JSON.stringify(item)} is out of range 1-${size}`);
    }
    let low: number;
    let high: number;
    if (base === "*") {
      low = min;
      high = name === "dayOfWeek" ? 6 : max;
    } else {
      const dash = base.split("-");
      if (dash.length > 2) fail(`${JSON.stringify(item)} is not a value, range or step (expected *, */s, n, a-b or a-b/s)`);
      const [a = "", b] = dash;
      low = num(a, item);
      if (b === undefined) {
        if (stepText !== undefined) {
          fail(`${JSON.stringify(item)}: a step needs * or a range (write ${a}-${max}/${stepText}; Vixie cron rejects n/s, other libraries read it differently)`);
        }
        high = low;
      } else {
        high = num(b, item);
        if (low > high) fail(`range ${JSON.stringify(base)} runs backwards (${low} > ${high}; ranges do not wrap around)`);
      }
    }
    for (let v = low; v <= high; v += step) set.add(name === "dayOfWeek" && v === 7 ? 0 : v);
  }
  return [...set].sort((x, y) => x - y);
}

/**
 * Validates a UTC cron expression (5 fields, or 6 with seconds first) and returns its spec.
 * @throws CronError with the field at fault (see the module comment for the syntax)
 */
export function parseCron(expr: string): CronSpec {
  if (typeof expr !== "string") throw new CronError(String(expr), 0, null, "not a string");
  const syntax = checkCronSyntax(expr);
  if (syntax !== null) {
    const names = expr.split(" ").filter((p) => p !== "").length === 6 ? SIX_FIELDS : FIVE_FIELDS;
    throw new CronError(expr, syntax.field, syntax.field === 0 ? null : (names[syntax.field - 1] ?? null), syntax.reason);
  }
  const parts = expr.split(" ");
  const names = parts.length === 6 ? SIX_FIELDS : FIVE_FIELDS;
  const values = { second: [0] } as Record<CronFieldName, number[]>;
  const raw = {} as Record<CronFieldName, string>;
  names.forEach((name, i) => {
    const text = parts[i] ?? "";
    raw[name] = text;
    values[name] = parseField(expr, i + 1, name, text);
  });
  const fieldOf = (name: CronFieldName): number => names.indexOf(name) + 1;
  const dayMatch = raw.dayOfMonth.startsWith("*") || raw.dayOfWeek.startsWith("*") ? "and" : "or";

  // Refuse what can never fire: when the day-of-month must match (AND, or a `*` day-of-week), some allowed day must
  // exist in some allowed month (February counted with 29 days). Every (month, day) pair falls on every weekday
  // within a few decades, so the AND with a day-of-week adds no impossible case.
  if (dayMatch === "and") {
    const possible = values.month.some((m) => values.dayOfMonth.some((d) => d <= (MAX_DAYS_IN_MONTH[m - 1] ?? 31)));
    if (!possible) {
      throw new CronError(
        expr,
        fieldOf("dayOfMonth"),
        "dayOfMonth",
        `day ${values.dayOfMonth.join(",")} never occurs in month ${values.month.join(",")}: the expression can never fire`,
      );
    }
  }

  const pattern = parts.length === 6 ? expr : `0 ${expr}`;
  let cron: Cron;
  try {
    cron = new Cron(pattern, { paused: true, utcOffset: 0, legacyMode: dayMatch === "or" });
  } catch (error) {
    // Not expected after the checks above; kept so that croner's own refusal still surfaces as a CronError.
    throw new CronError(expr, 0, null, `refused by croner: ${error instanceof Error ? error.message : String(error)}`);
  }
  const spec: CronSpec = Object.freeze({
    expr,
    hasSeconds: parts.length === 6,
    values: Object.freeze(values),
    dayMatch,
  });
  crons.set(spec, cron);
  return spec;
}

function specOf(spec: CronSpec | string): CronSpec {
  return typeof spec === "string" ? parseCron(spec) : spec;
}

function cronOf(spec: CronSpec): Cron {
  let cron = crons.get(spec);
  if (cron === undefined) {
    const fresh = parseCron(spec.expr);
    cron = crons.get(fresh) as Cron;
    crons.set(spec, cron);
  }
  return cron;
}

function toSeconds(t: Date | number, what: string): number {
  const s = t instanceof Date ? t.getTime() / 1000 : t;
  if (typeof s !== "number" || !Number.isFinite(s)) throw new TypeError(`${what} must be a Date or finite epoch seconds, got ${String(t)}`);
  return s;
}

const monthIndex = (t: number): number => {
  const d = new Date(t * 1000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};

/**
 * The first fire time strictly after whole second `from`, working around a croner 9.1 bug: croner scans days 1-31
 * in every month, and when the next allowed day does not exist in the month (31 in February, or a day-of-week match
 * on "February 30" in OR mode) it lets the date overflow into the next month (Feb 31 -> Mar 3) and continues from
 * there, skipping the first days of that month (`0 0 1,31 * *` after Feb 2 gives Mar 31 instead of Mar 1; croniter
 * and Effect's Cron had the same bug). A result inside the month where the search started is exact (an overflow
 * always leaves that month); otherwise that month has no fire after `from`, so the search restarts at the first
 * second of the next month the expression allows, until croner answers within the month it started in.
 */
function nextAfter(spec: CronSpec, cron: Cron, from: number): number | null {
  for (;;) {
    // croner drops milliseconds and starts at the next whole second, so the result is > from.
    const next = cron.nextRun(new Date(from * 1000));
    if (next === null) return null;
    const t = next.getTime() / 1000;
    const started = monthIndex(from + 1);
    const found = monthIndex(t);
    if (found === started) return t;
    let m = started + 1;
    while (!spec.values.month.includes((m % 12) + 1)) m += 1;
    // m <= found: `found` is a month the expression allows (croner's answers match the pattern).
    from = Date.UTC(Math.floor(m / 12), m % 12, 1) / 1000 - 1;
  }
}

/** The first fire time strictly after `after` (epoch seconds or Date), in epoch seconds; null past the year 3000. */
export function nextFireTime(spec: CronSpec | string, after: Date | number): number | null {
  const s = specOf(spec);
  return nextAfter(s, cronOf(s), Math.floor(toSeconds(after, "after")));
}

/** The next `count` fire times strictly after `after`, ascending, in epoch seconds (fewer past the year 3000). */
export function nextFireTimes(spec: CronSpec | string, after: Date | number, count: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new TypeError(`count must be a non-negative integer, got ${count}`);
  const s = specOf(spec);
  const cron = cronOf(s);
  const out: number[] = [];
  let t = Math.floor(toSeconds(after, "after"));
  while (out.length < count) {
    const next = nextAfter(s, cron, t);
    if (next === null) break;
    t = next;
    out.push(t);
  }
  return out;
}

/**
 * The fire times in (fromExclusive, toInclusive], ascending, at most `limit` of them (the earliest) — for catch-up
 * after downtime (policy fire_all). Epoch seconds or Dates in, epoch seconds out.
 */
export function fireTimesBetween(
  spec: CronSpec | string,
  fromExclusive: Date | number,
  toInclusive: Date | number,
  limit: number,
): number[] {
  if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`limit must be a non-negative integer, got ${limit}`);
  const s = specOf(spec);
  const cron = cronOf(s);
  const to = toSeconds(toInclusive, "toInclusive");
  const out: number[] = [];
  let t = Math.floor(toSeconds(fromExclusive, "fromExclusive"));
  while (out.length < limit) {
    const next = nextAfter(s, cron, t);
    if (next === null || next > to) break;
    t = next;
    out.push(t);
  }
  return out;
}

/**
 * The latest fire time in (fromExclusive, toInclusive], or null if there is none — for catch-up policies
 * fire_latest_once and skip. O(log(to - from)) next-time computations (bisection), however dense the schedule.
 */
export function lastFireTimeBetween(
  spec: CronSpec | string,
  fromExclusive: Date | number,
  toInclusive: Date | number,
): number | null {
  const s = specOf(spec);
  const cron = cronOf(s);
  const to = Math.floor(toSeconds(toInclusive, "toInclusive"));
  let lo = Math.floor(toSeconds(fromExclusive, "fromExclusive"));
  const firesAfter = (x: number): boolean => {
    const next = nextAfter(s, cron, x);
    return next !== null && next <= to;
  };
  if (lo >= to || !firesAfter(lo)) return null;
  // Invariant: a fire in (lo, to]; none in (hi, to]. The answer is the smallest x with no fire in (x, to].
  let hi = to;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (firesAfter(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Whether `t` (epoch seconds, whole) is a fire time of the expression. */
export function isFireTime(spec: CronSpec | string, t: number): boolean {
  return Number.isInteger(t) && nextFireTime(spec, t - 1) === t;
}
