import { Type, type Static } from '@sinclair/typebox';

/*
 * The people who sign in, their role in a workspace, and the invitations that bring them in.
 * Roles map onto the admin tokens' access scopes (`roleScopes`), so one check in the HTTP layer
 * serves sessions and tokens alike.
 */

/** `owner` and `admin`: everything, users included; `marketer`: reads and changes data; `analyst`: reads only. */
export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('marketer'), Type.Literal('analyst')]);
export type Role = Static<typeof Role>;
export const ROLES: readonly Role[] = ['owner', 'admin', 'marketer', 'analyst'];

/** What each role may do, in the admin tokens' scopes (`read` < `write` < `admin`). */
export function roleScopes(role: Role): Array<'read' | 'write' | 'admin'> {
  switch (role) {
    case 'owner':
    case 'admin':
      return ['read', 'write', 'admin'];
    case 'marketer':
      return ['read', 'write'];
    case 'analyst':
      return ['read'];
  }
}

export function isRole(value: string): value is Role {
  return ROLES.some((role) => role === value);
}

export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 200;
/** Longer passwords only cost hashing time; 12 characters is the least that resists offline guessing for a while. */
export const PASSWORD_LENGTH = { min: 12, max: 256 } as const;

export const Email = Type.String({ minLength: 3, maxLength: MAX_EMAIL_LENGTH, format: 'email', description: 'Compared without regard to case' });
export const DisplayName = Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH });
/** A BCP 47 tag such as `en`, `ar` or `ja-JP`. */
export const Locale = Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$', maxLength: 35 });
export const Password = Type.String({ minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max });

export const User = Type.Object({ id: Type.String(), email: Type.String(), displayName: Type.String(), locale: Type.String(), createdAt: Type.Integer() }, { $id: 'User' });
export type User = Static<typeof User>;

/** A user as a member of one workspace. */
export const Member = Type.Object({ ...User.properties, role: Role, hasPassword: Type.Boolean({ description: 'False until the invitation is accepted' }) }, { $id: 'Member' });
export type Member = Static<typeof Member>;

export const Invitation = Type.Object(
  {
    id: Type.String(),
    workspaceId: Type.String(),
    email: Type.String(),
    role: Role,
    invitedBy: Type.String({ description: 'The user or admin token that invited' }),
    createdAt: Type.Integer(),
    expiresAt: Type.Integer(),
    acceptedAt: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: 'Invitation' },
);
export type Invitation = Static<typeof Invitation>;

/** One workspace the signed-in user belongs to (the workspace switcher lists them). */
export const WorkspaceMembership = Type.Object({ workspaceId: Type.String(), name: Type.String(), role: Role }, { $id: 'WorkspaceMembership' });
export type WorkspaceMembership = Static<typeof WorkspaceMembership>;

/** Lower-cased and trimmed: the form the store keeps and compares. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
