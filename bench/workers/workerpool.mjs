// Worker script for workerpool, thread and process modes alike.
import workerpool from 'workerpool';
import { add, hold, spin } from './work.cjs';

workerpool.worker({ add, spin, hold });
