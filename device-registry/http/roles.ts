// Route classes: who may do what. Admins can do everything.
import type { Role } from '../schemas/common.ts';

export const READ_ROLES: readonly Role[] = ['admin', 'engineer', 'operator', 'dispatcher'];
export const WRITE_ROLES: readonly Role[] = ['admin', 'engineer'];
export const ADMIN_ROLES: readonly Role[] = ['admin'];
