import { describeRouteFuzz } from './harness.js';

// The route fuzz on PostgreSQL (skipped, and said so, when no server answers).
describeRouteFuzz('postgres');
