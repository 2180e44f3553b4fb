import type { Scenario } from '../lib/context.js';
import { abortable } from './abortable.js';
import { queue } from './queue.js';
import { reactor } from './reactor.js';
import { restart } from './restart.js';
import { concurrent } from './concurrent.js';
import { cooperative } from './cooperative.js';
import { floors } from './floors.js';
import { manager } from './manager.js';
import { s1Burst } from './s1-burst.js';
import { s2Latency } from './s2-latency.js';
import { s3Map } from './s3-map.js';
import { s3dMapDefaults } from './s3d-map-defaults.js';
import { s4Cpu } from './s4-cpu.js';
import { s5Process } from './s5-process.js';
import { s6Collect } from './s6-collect.js';
import { s7Resolve } from './s7-resolve.js';
import { s8ColdStart } from './s8-cold-start.js';
import { s9Mixed } from './s9-mixed.js';
import { s10BurstSweep } from './s10-burst-sweep.js';
import { bullmq } from './bullmq.js';

/** Every scenario, in the order they run. */
export const SCENARIOS: readonly Scenario[] = [floors, s1Burst, s2Latency, s3Map, s3dMapDefaults, s4Cpu, s5Process, s6Collect, s7Resolve, s8ColdStart, s9Mixed, s10BurstSweep, abortable, restart, cooperative, concurrent, reactor, queue, manager, bullmq];
