package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.ConfigWord;

/**
 * Which symbolic links a static location follows ({@code disable_symlinks} key, after nginx's
 * directive of that name). Links are checked on every path component, not only the last.
 */
public enum SymlinkPolicy implements ConfigWord {
    /** Follow every link. */
    OFF,
    /** Follow a link only when the link and its target have the same owner. */
    IF_NOT_OWNER,
    /** Follow a link only when its target stays inside the location's root: the default. */
    OUTSIDE_ROOT,
    /** Follow no link at all. */
    ON;

    @Override
    public String toString() {
        return token();
    }
}
