/** Every migration class, oldest first. Add new ones at the end. */
export const MIGRATIONS: Function[] = [];
