/** The in-memory store keeps the call-store contract (the Redis tests run the same suite against Redis). */
import { InMemoryCallStore } from '../src/tracker/in-memory-call-store';
import { describeCallStoreContract } from './helpers/call-store-contract';

describeCallStoreContract('in-memory', async () => ({ store: new InMemoryCallStore(), close: async () => {} }));
