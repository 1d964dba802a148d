/**
 * Gatehouse configuration: the value types shared by both servers ({@link dev.gatehouse.conf.Address},
 * {@link dev.gatehouse.conf.Size}, {@link dev.gatehouse.conf.TimeSpan}, {@link dev.gatehouse.conf.FileMode}),
 * the {@link dev.gatehouse.conf.ConfigException} every bad file or flag ends in, and
 * {@link dev.gatehouse.conf.KeySpec}, the machine-readable description of one key.
 *
 * <p>The config objects themselves live in {@code dev.gatehouse.conf.app} ({@code gatehouse-app.toml})
 * and {@code dev.gatehouse.conf.proxy} ({@code gatehouse-proxy.toml}), each key declared once in
 * that package's keys class and read through one accessor ({@code dev.gatehouse.conf.schema}). The TOML library is an
 * implementation detail of this module: no public signature mentions it.
 */
package dev.gatehouse.conf;
