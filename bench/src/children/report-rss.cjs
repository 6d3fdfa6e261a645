// Preloaded (`node -r`) into a command measured by the benchmarks: at exit, writes the process's
// peak resident set size (kilobytes) and CPU time (user + system, microseconds) to file
// descriptor 3, as `<maxRSS> <cpu>`.
const { writeSync } = require('node:fs');

process.on('exit', () => {
  const usage = process.resourceUsage();
  writeSync(3, `${usage.maxRSS} ${usage.userCPUTime + usage.systemCPUTime}\n`);
});
