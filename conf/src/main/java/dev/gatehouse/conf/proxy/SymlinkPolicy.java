package dev.gatehouse.conf.proxy;

/**
 * Which symbolic links a static location follows ({@code disable_symlinks} key, after nginx's
 * directive of that name). Links are checked on every path component, not only the last.
 */
public enum SymlinkPolicy {
    /** Follow every link. */
    OFF("off"),
    /** Follow a link only when the link and its target have the same owner. */
    IF_NOT_OWNER("if_not_owner"),
    /** Follow a link only when its target stays inside the location's root: the default. */
    OUTSIDE_ROOT("outside_root"),
    /** Follow no link at all. */
    ON("on");

    private final String token;

    SymlinkPolicy(String token) {
        this.token = token;
    }

    /** The spelling in config files. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
