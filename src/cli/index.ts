/** The `pinn` command line: every command's flags and output; bin/pinn.js runs main. */
export { main } from './main.js';
