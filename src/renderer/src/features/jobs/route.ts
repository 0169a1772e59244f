// The Jobs screen's address: #/jobs.
export type JobsRoute = { screen: 'jobs' };

export const jobsRoute = {
  home: { screen: 'jobs' } as JobsRoute,
  parse: (): JobsRoute => ({ screen: 'jobs' }),
  format: (): string[] => [],
};
