/**
 * The machinery the config records are read with, shared by {@code dev.gatehouse.conf.app} and
 * {@code dev.gatehouse.conf.proxy}: {@link dev.gatehouse.conf.schema.Key} (a key path with its
 * type, default and description, the one place each of those is written),
 * {@link dev.gatehouse.conf.schema.ValueType} (how a value parses, what the error says, how it
 * is written back), {@link dev.gatehouse.conf.schema.ConfigReader} (typed reads over a parsed
 * file with command-line overrides applied, unknown-key detection, error collection) and
 * {@link dev.gatehouse.conf.schema.TomlWriter} (the effective config as TOML text).
 *
 * <p>A config is built from its declarations: {@link dev.gatehouse.conf.schema.DeclaredKeys}
 * lists the keys as they are declared, {@link dev.gatehouse.conf.schema.ConfigReader#values}
 * reads them all into one immutable {@link dev.gatehouse.conf.schema.ConfigValues}, and a
 * {@link dev.gatehouse.conf.schema.ConfigView} subclass reads each key in a one-line accessor,
 * with equality and text from the values. Adding a key is its declaration and its accessor.
 *
 * <p>The TOML library stays inside this package, in package-private classes; nothing public here
 * mentions it. Other modules have no reason to use this package: they load the config records.
 */
package dev.gatehouse.conf.schema;
