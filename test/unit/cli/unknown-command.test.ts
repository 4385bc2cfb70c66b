/**
 * A command that does not exist is named as such, with the commands there are: `sim sweep a.yaml b.yaml`
 * read "Unknown arguments: sweep, a.yaml, b.yaml", and a misspelt one only "Did you mean …?".
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

describe('an unknown command', () => {
  it.each([
    [['sim', 'sweep', 'a.yaml', 'b.yaml'], 'unknown command "sim sweep"; sim has: run, plan, compare', undefined],
    [['sim', 'plna', 'x.yaml'], 'unknown command "sim plna"; sim has: run, plan, compare', 'did you mean "sim plan"?'],
    [['scenario', 'chek', 'x.yaml'], 'unknown command "scenario chek"; scenario has: check, show, schema', 'did you mean "scenario check"?'],
    [['workload', 'show', 'x.yaml'], 'unknown command "workload show"; workload has: preview', undefined],
    [['simm', 'run', 'x.yaml'], 'unknown command "simm"', 'did you mean "sim"?'],
  ])('%j: exit 2, %s', async (args, message, hint) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`HEADROOM_ERR_BAD_ARGUMENT: ${message}`);
    if (hint) expect(r.stderr).toContain(`hint: ${hint}`);
  });

  it('leaves other argument errors as they were', async () => {
    const r = await runCli(['sim', 'run', 'x.yaml', '--sed', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown argument: sed');
  });
});
