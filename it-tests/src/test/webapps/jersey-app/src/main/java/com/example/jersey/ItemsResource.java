package com.example.jersey;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A read-only catalogue plus an echo: JSON in and out. */
@Path("/items")
@Produces(MediaType.APPLICATION_JSON)
public class ItemsResource {

    private static final List<String> NAMES = List.of("anvil", "bellows", "chisel", "drill", "file");

    @GET
    public List<Map<String, Object>> list(@QueryParam("limit") @DefaultValue("3") int limit,
            @QueryParam("prefix") @DefaultValue("") String prefix) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < NAMES.size() && out.size() < limit; i++) {
            if (NAMES.get(i).startsWith(prefix)) {
                out.add(item(i));
            }
        }
        return out;
    }

    @GET
    @Path("/{id}")
    public Map<String, Object> get(@PathParam("id") int id) {
        if (id < 0 || id >= NAMES.size()) {
            throw new NotFoundException("no item " + id);
        }
        return item(id);
    }

    @POST
    @Path("/echo")
    @Consumes(MediaType.APPLICATION_JSON)
    public Map<String, Object> echo(Map<String, Object> body) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("received", body);
        m.put("keys", body.size());
        return m;
    }

    private static Map<String, Object> item(int id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("name", NAMES.get(id));
        return m;
    }
}
