// Public surface of the assignment core (max-weight matching of probe classes to model classes).
export * from './hungarian';
