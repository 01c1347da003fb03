// Embedded Neo4j Community with a Bolt connector, for development and tests (see scripts/neo4j-local).
//
// Run without a build step:  java -Xmx1g -cp 'lib/*' Launcher.java DATA_DIR PORT PAGECACHE
// Reads the login from the environment (NEO4J_USER, default "neo4j"; NEO4J_PASSWORD, required), turns
// authentication on, listens for Bolt on 127.0.0.1:PORT (0 picks a free port), prints one line
// "READY bolt://127.0.0.1:<port>" once it accepts connections, and shuts down cleanly on SIGTERM.

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

public class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Launcher DATA_DIR PORT PAGECACHE_MB");
            System.exit(2);
        }
        String password = System.getenv("NEO4J_PASSWORD");
        String user = System.getenv().getOrDefault("NEO4J_USER", "neo4j");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_PASSWORD must be set to at least 8 characters");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        long pageCacheMb = Long.parseLong(args[2]);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));
        try {
            setLogin(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), user, password);
            GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            ConnectorPortRegister ports = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class);
            HostnamePort bolt = ports.getLocalAddress(ConnectorType.BOLT);
            System.out.println("READY bolt://" + bolt.getHost() + ":" + bolt.getPort());
            System.out.flush();
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);  // runs the shutdown hook; never leave a half-started server behind
        }
        Thread.currentThread().join();
    }

    /** Set the login every start, so the password always matches the environment (same password: no change). */
    private static void setLogin(GraphDatabaseService system, String user, String password) {
        Map<String, Object> params = Map.of("user", user, "password", password);
        if (!user.equals("neo4j")) {
            system.executeTransactionally(
                    "CREATE USER $user IF NOT EXISTS SET PASSWORD $password CHANGE NOT REQUIRED", params);
        }
        try {
            system.executeTransactionally("ALTER USER $user SET PASSWORD $password CHANGE NOT REQUIRED", params);
        } catch (QueryExecutionException e) {
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }
}
