// Render statemachine/dmsflow.asl.json the way Terraform's templatefile does:
// the five function ARNs are the only placeholders.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const FUNCTIONS = ['seed-source', 'start-task', 'poll-task', 'validate-tables', 'report'];
export const PLACEHOLDERS = FUNCTIONS.map((f) => `${f.replace(/-/g, '_')}_arn`);

const here = dirname(fileURLToPath(import.meta.url));
export const DEFINITION_PATH = join(here, 'dmsflow.asl.json');

export function fakeArn(fn) {
  return `arn:aws:lambda:us-east-1:123456789012:function:dmsflow-${fn}`;
}

/** The definition with every `${name_arn}` replaced; throws on any other `${`. */
export function render(arns = Object.fromEntries(FUNCTIONS.map((f) => [f, fakeArn(f)]))) {
  let text = readFileSync(DEFINITION_PATH, 'utf8');
  for (const fn of FUNCTIONS) {
    const placeholder = '${' + fn.replace(/-/g, '_') + '_arn}';
    text = text.split(placeholder).join(arns[fn]);
  }
  const leftover = text.match(/\$\{[^}]*\}/);
  if (leftover) throw new Error(`unrendered placeholder ${leftover[0]}`);
  return JSON.parse(text);
}

/** Which function a rendered ARN belongs to. */
export function functionOfArn(arn, arns = Object.fromEntries(FUNCTIONS.map((f) => [f, fakeArn(f)]))) {
  return FUNCTIONS.find((f) => arns[f] === arn);
}
