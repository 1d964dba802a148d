package dev.gatehouse.conf.app;

/** Checks the shape of Java class and method names given in config, before any class loading. */
final class JavaNames {

    private JavaNames() {
    }

    /** A binary class name: identifiers separated by dots, nested classes with {@code $}. */
    static boolean isClassName(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
            return false;
        }
        for (String part : s.split("\\.")) {
            if (!isIdentifier(part)) {
                return false;
            }
        }
        return true;
    }

    /** A Java identifier ({@code $} included, as in nested class names). */
    static boolean isIdentifier(String s) {
        if (s.isEmpty() || !Character.isJavaIdentifierStart(s.codePointAt(0))) {
            return false;
        }
        return s.codePoints().skip(1).allMatch(Character::isJavaIdentifierPart);
    }
}
