/**
 * The proxy's configuration, {@code gatehouse-proxy.toml}: {@link dev.gatehouse.conf.proxy.ProxyConfig}
 * with its locations ({@link dev.gatehouse.conf.proxy.LocationConfig}) and upstream pools
 * ({@link dev.gatehouse.conf.proxy.UpstreamConfig}), all immutable and compared by value.
 */
package dev.gatehouse.conf.proxy;
