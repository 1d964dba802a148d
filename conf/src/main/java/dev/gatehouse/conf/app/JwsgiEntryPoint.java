package dev.gatehouse.conf.app;

import dev.gatehouse.conf.InvalidValueException;

/**
 * The {@code jwsgi} key: the class and method of an unmodified uWSGI JWSGI application, written
 * {@code Class:method} as uWSGI's {@code --jwsgi} takes it ({@code com.example.Hello:application}).
 *
 * @param className the binary class name
 * @param methodName the method, static or on an instance made with the no-argument constructor
 */
public record JwsgiEntryPoint(String className, String methodName) {

    private static final String EXPECTED = "Class:method, such as com.example.Hello:application";

    /** Checks both names are well-formed Java names. */
    public JwsgiEntryPoint {
        if (className == null || methodName == null || !JavaNames.isClassName(className)
                || !JavaNames.isIdentifier(methodName)) {
            throw new InvalidValueException("JWSGI entry point", className + ":" + methodName, EXPECTED);
        }
    }

    /**
     * Parses {@code Class:method}.
     *
     * @throws InvalidValueException if there is no single ':' or a name is not a Java name
     */
    public static JwsgiEntryPoint parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0 || colon != text.lastIndexOf(':')
                || !JavaNames.isClassName(text.substring(0, colon))
                || !JavaNames.isIdentifier(text.substring(colon + 1))) {
            throw new InvalidValueException("JWSGI entry point", text, EXPECTED);
        }
        return new JwsgiEntryPoint(text.substring(0, colon), text.substring(colon + 1));
    }

    /** {@code Class:method}. */
    @Override
    public String toString() {
        return className + ":" + methodName;
    }
}
