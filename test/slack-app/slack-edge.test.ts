import { createSlackEdgeEndpoint } from '../../src/runtime/workers/slack-edge.js';
import { describeSlackApp } from './suite.js';

describeSlackApp('slack-edge', (options) => createSlackEdgeEndpoint(options));
