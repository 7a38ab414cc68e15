import { createBoltEndpoint } from '../../src/runtime/node/slack-bolt.js';
import { describeSlackApp } from './suite.js';

describeSlackApp('bolt', createBoltEndpoint);
