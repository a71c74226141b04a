// Render statemachine/dmsflow.asl.json as Terraform's templatefile does: the
// five function ARNs are the only placeholders. Shared by the tests and the
// local runner; as a command it prints the rendered definition (fake ARNs):
//
//   node render.mjs [--out FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const FUNCTIONS = ['seed-source', 'start-task', 'poll-task', 'validate-tables', 'report'];
/** templatefile variable names: seed_source_arn, start_task_arn, … */
export const PLACEHOLDERS = FUNCTIONS.map((f) => `${f.replace(/-/g, '_')}_arn`);

const here = dirname(fileURLToPath(import.meta.url));
export const DEFINITION_PATH = join(here, 'dmsflow.asl.json');

export function fakeArn(fn) {
  return `arn:aws:lambda:us-east-1:123456789012:function:dmsflow-${fn}`;
}
const FAKE_ARNS = Object.fromEntries(FUNCTIONS.map((f) => [f, fakeArn(f)]));

/** The definition with every `${<fn>_arn}` replaced; throws on any other `${`. */
export function render(arns = FAKE_ARNS) {
  let text = readFileSync(DEFINITION_PATH, 'utf8');
  FUNCTIONS.forEach((fn, i) => {
    text = text.split('${' + PLACEHOLDERS[i] + '}').join(arns[fn]);
  });
  const leftover = text.match(/\$\{[^}]*\}/);
  if (leftover) throw new Error(`${DEFINITION_PATH}: unknown placeholder ${leftover[0]}`);
  return JSON.parse(text);
}

/** Which function a rendered ARN belongs to (undefined for any other). */
export function functionOfArn(arn, arns = FAKE_ARNS) {
  return FUNCTIONS.find((f) => arns[f] === arn);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = JSON.stringify(render(), null, 2) + '\n';
  const out = process.argv.indexOf('--out');
  if (out > 0) writeFileSync(process.argv[out + 1], text);
  else process.stdout.write(text);
}
