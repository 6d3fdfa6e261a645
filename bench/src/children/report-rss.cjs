// Preloaded (`node -r`) into a command measured by the benchmarks: at exit, writes the process's
// peak resident set size, in kilobytes, to file descriptor 3.
const { writeSync } = require('node:fs');

process.on('exit', () => {
  writeSync(3, `${process.resourceUsage().maxRSS}\n`);
});
