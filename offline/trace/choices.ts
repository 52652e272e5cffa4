/**
 * Enumerating what AWS chooses and nobody can predict (the ALB node, the TGW's AZ, the appliance):
 * a run asks `choose(key, options)`; `enumerate` replays the run until every combination was taken.
 * The same key within one run gets the same answer, so both directions of a flow can share a choice
 * (appliance mode, GWLB stickiness) or make their own (a key per direction).
 */

export interface Choice {
  readonly key: string;
  /** What was chosen, for people: "ALB node" -> "ap-northeast-2a". */
  readonly label: string;
  readonly value: string;
}

export type Chooser = <T>(key: string, label: string, options: readonly T[], show: (option: T) => string) => T;

export interface Enumerated<R> {
  readonly choices: Choice[];
  readonly result: R;
}

/** Runs `run` once per combination of choices (depth-first, first options first); at most `limit` runs. */
export function enumerate<R>(run: (choose: Chooser) => R, limit = 4096): Array<Enumerated<R>> {
  const results: Array<Enumerated<R>> = [];
  let script: number[] = [];
  for (;;) {
    const counts: number[] = [];
    const taken: Choice[] = [];
    const memo = new Map<string, unknown>();
    const choose: Chooser = (key, label, options, show) => {
      if (memo.has(key)) return memo.get(key) as (typeof options)[number];
      if (options.length === 0) throw new Error(`no option for ${label}`);
      const depth = counts.length;
      const index = depth < script.length ? script[depth] : 0;
      counts.push(options.length);
      const option = options[index];
      memo.set(key, option);
      taken.push({ key, label, value: show(option) });
      return option;
    };
    const result = run(choose);
    results.push({ choices: taken, result });
    if (results.length >= limit) throw new Error(`more than ${limit} cases to enumerate`);
    const indexes = counts.map((_, i) => (i < script.length ? script[i] : 0));
    let at = indexes.length - 1;
    while (at >= 0 && indexes[at] + 1 >= counts[at]) at--;
    if (at < 0) return results;
    script = [...indexes.slice(0, at), indexes[at] + 1];
  }
}
