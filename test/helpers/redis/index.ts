/** Real Redis peers for tests: a standalone server and a local cluster (see each module). */
export { startRedis } from './redis-server';
export type { RedisServer, RestartOptions, StartRedisOptions } from './redis-server';
export { startRedisCluster } from './redis-cluster';
export type { ClusterNodeAddress, RedisCluster, StartRedisClusterOptions } from './redis-cluster';
export { redisCommand } from './resp';
export type { RespValue } from './resp';
