import { env } from 'cloudflare:test';
import { D1Driver } from '../../src/runtime/workers/d1-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { describeStoreContract } from '../store/contract.js';
import { emptyDatabase } from './support.js';

describeStoreContract('D1 (inside workerd)', async () => {
  const driver = new D1Driver(env.DB);
  await emptyDatabase(driver);
  const store = new SqlStore(driver);
  return { store, close: () => store.close() };
});
