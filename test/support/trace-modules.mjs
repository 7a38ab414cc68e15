// `node --import ./trace-modules.mjs …`: appends the URL of every module the program loads to the
// file named by $TRACE_MODULES (what a command's start-up costs, tested in cli-start.test.ts).
import { register } from 'node:module';

register(new URL('./trace-modules-hooks.mjs', import.meta.url));
