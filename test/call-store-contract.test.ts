/** The in-memory store keeps the call-store contract and counts quota pairs like the model (the Redis tests run the same suites against Redis). */
import { InMemoryCallStore } from '../src/tracker/in-memory-call-store';
import { describeCallStoreContract } from './helpers/call-store-contract';
import { describeQuotaPairsModel } from './helpers/quota-pairs-model';

describeCallStoreContract('in-memory', async () => ({ store: new InMemoryCallStore(), close: async () => {} }));

describeQuotaPairsModel('in-memory', async (now) => ({ store: new InMemoryCallStore(now), close: async () => {} }), 300);
