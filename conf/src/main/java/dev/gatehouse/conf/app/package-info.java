/**
 * The app-server's configuration, {@code gatehouse-app.toml}: {@link dev.gatehouse.conf.app.AppServerConfig}
 * and the types of its values.
 */
package dev.gatehouse.conf.app;
