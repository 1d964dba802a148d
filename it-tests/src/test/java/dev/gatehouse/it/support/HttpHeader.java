package dev.gatehouse.it.support;

/**
 * One response header line as received, name case kept.
 *
 * @param name the field name
 * @param value the field value, bytes read as ISO-8859-1 (so raw UTF-8 shows as two chars per
 *     non-ASCII byte and no byte is lost)
 */
public record HttpHeader(String name, String value) {}
