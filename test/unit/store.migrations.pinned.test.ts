import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/main/core/platform/store/migrations';

// The shipped migrations, pinned. A project records the sha256 of every migration it ran and refuses to open when
// the build's migration differs, so editing a shipped migration breaks every project that already ran it. The code
// hashes its own SQL, so without this table such an edit would pass every other test.
//
// NEVER edit a shipped migration: add a new numbered one (src/main/core/platform/store/migrations/NNN_name.ts,
// listed in MIGRATIONS) and add its line here. The hash is sha256 of the migration's `sql` string (UTF-8), hex.
const SHIPPED: readonly { version: number; name: string; sha256: string }[] = [
  { version: 1, name: 'foundation', sha256: 'f5e26727379af368fbbc4705ab407e0d0ea2af63eba142db5b9f23710085b0ec' },
  { version: 2, name: 'explain_runs', sha256: '74bd75efcc6e7d5b3f9104587c6fa67291482c2e2b0a6a23ca45c61c29d1b636' },
  { version: 3, name: 'ablation', sha256: 'a159f36a7f7571fb177a868ab78cdffbf0bee5a44fedddef07dbd369b2576589' },
  { version: 4, name: 'non_finite', sha256: '5ce8cb23b6f2d4c9435355b7cfd38584c66f2f9be8edf59225337d61eb8687ba' },
  { version: 5, name: 'bookmarks', sha256: '441d9f83b7f9530bbfc4c835a12550d6c40a33959034f1f210391b5279e4bc4f' },
  { version: 6, name: 'neuron_columns', sha256: 'c05e8f9c49a41a94ecf6617f14e320efa633315f113183a65a2fa9fb358c1a74' },
  { version: 7, name: 'split_source', sha256: '8a1ee7f8c4e04f613a96f51eb4e44b222f92ed87f90985174d9ba3cc704b8415' },
  { version: 8, name: 'generative_cache', sha256: 'f63994908f66fb9f9251bb460040f55e8d4b749a8a6a7dc70ba72a752931c2d9' },
  { version: 9, name: 'ratings', sha256: '773fa88bd3fa40335dd5e861cbe76da1aab367e38358165dc0e2f704f53da655' },
];

describe('shipped migrations are pinned', () => {
  it('MIGRATIONS is exactly the pinned table (version, name, sha256), in order', () => {
    expect(MIGRATIONS.map((m) => ({ version: m.version, name: m.name, sha256: m.sha256 }))).toEqual(SHIPPED);
  });

  it("each migration's SQL hashes to its pinned sha256", () => {
    for (const m of MIGRATIONS) {
      const pinned = SHIPPED.find((s) => s.version === m.version);
      const sha256 = createHash('sha256').update(m.sql).digest('hex');
      expect(sha256, `migration ${m.version} (${m.name})`).toBe(pinned?.sha256);
    }
  });
});
