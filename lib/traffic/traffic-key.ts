/**
 * The serve-scoped API key a simulate-traffic job makes for itself (revoked when it ends). Its
 * name marks it, so the API keys page can keep these out of the way of the keys people made.
 */
const PREFIX = "traffic driver (job ";

export const trafficKeyName = (jobId: string) => `${PREFIX}${jobId.slice(0, 8)})`;
export const isTrafficKeyName = (name: string) => name.startsWith(PREFIX);
