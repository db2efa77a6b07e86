import { describeRouteFuzz } from './harness.js';

// The route fuzz on SQLite; tests/fuzz/harness.ts says what it sends and checks.
describeRouteFuzz('sqlite');
