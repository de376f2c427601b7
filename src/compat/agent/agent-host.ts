// GET /v1/agent/host: the host facts Consul gathers with gopsutil (memory, CPUs, host, the data
// dir's disk), under gopsutil's JSON names, from what Node's os and fs report.
import { statfsSync } from 'node:fs';
import { arch, cpus, freemem, hostname, release, totalmem, type, uptime, version } from 'node:os';

export function agentHost(dataDir: string | undefined): Record<string, unknown> {
  const started = process.hrtime.bigint();
  const total = totalmem();
  const free = freemem();
  const errors: string[] = [];
  let disk: Record<string, unknown> = {};
  const path = dataDir ?? '/';
  try {
    const s = statfsSync(path);
    const t = s.blocks * s.bsize;
    const f = s.bavail * s.bsize;
    const used = t - s.bfree * s.bsize;
    disk = {
      path,
      fstype: '',
      total: t,
      free: f,
      used,
      usedPercent: t > 0 ? (used / t) * 100 : 0,
      inodesTotal: s.files,
      inodesUsed: s.files - s.ffree,
      inodesFree: s.ffree,
      inodesUsedPercent: s.files > 0 ? ((s.files - s.ffree) / s.files) * 100 : 0,
    };
  } catch (err) {
    errors.push(`disk: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    Memory: {
      total,
      available: free,
      used: total - free,
      usedPercent: total > 0 ? ((total - free) / total) * 100 : 0,
      free,
    },
    CPU: cpus().map((c, i) => ({
      cpu: i,
      vendorId: '',
      family: '',
      model: '',
      stepping: 0,
      physicalId: '',
      coreId: String(i),
      cores: 1,
      modelName: c.model,
      mhz: c.speed,
      cacheSize: 0,
      flags: [],
      microcode: '',
    })),
    Host: {
      hostname: hostname(),
      uptime: Math.floor(uptime()),
      bootTime: Math.floor(Date.now() / 1000 - uptime()),
      procs: 0,
      os: type().toLowerCase(),
      platform: '',
      platformFamily: '',
      platformVersion: '',
      kernelVersion: release(),
      kernelArch: arch() === 'x64' ? 'x86_64' : arch(),
      virtualizationSystem: '',
      virtualizationRole: '',
      hostId: '',
    },
    Disk: disk,
    CollectionTime: Number(process.hrtime.bigint() - started),
    Errors: errors.length > 0 ? errors : null,
    KernelVersion: version(),
  };
}
