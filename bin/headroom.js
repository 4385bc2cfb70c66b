#!/usr/bin/env node
// The published entry: runs the compiled CLI. `npm install` builds dist/ through the `prepare` script.
// runAndExit waits for stdout and stderr to be written out before it exits (src/cli/entry.ts).
import { runAndExit } from '../dist/cli/entry.js';

runAndExit(process.argv.slice(2));
