package uk.redbag.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.delete.ThreadSafeResourceDeleterSvc;
import ca.uhn.fhir.jpa.interceptor.CascadingDeleteInterceptor;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Meta;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Starts HAPI FHIR JPA (R4, H2) under Jetty at http://HOST:PORT/fhir.
 *
 * <pre>
 * java -cp ... uk.redbag.hapi.RedbagHapiServer --data DIR [--host 127.0.0.1] [--port 0]
 *      [--conformance DIR]... [--ready-file FILE]
 * </pre>
 *
 * Port 0 picks a free port. Once /fhir answers and the conformance folders are loaded, the
 * base URL is printed and written to the ready file (both as one line).
 */
public final class RedbagHapiServer {

	private RedbagHapiServer() {}

	public static void main(String[] args) throws Exception {
		long t0 = System.nanoTime();
		String host = "127.0.0.1";
		int port = 0;
		Path data = null;
		Path readyFile = null;
		List<Path> conformance = new ArrayList<>();
		for (int i = 0; i < args.length; i++) {
			String value = i + 1 < args.length ? args[i + 1] : null;
			switch (args[i]) {
				case "--host" -> host = value;
				case "--port" -> port = Integer.parseInt(value);
				case "--data" -> data = Path.of(value);
				case "--conformance" -> conformance.add(Path.of(value));
				case "--ready-file" -> readyFile = Path.of(value);
				default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
			}
			i++;
		}
		if (data == null) {
			throw new IllegalArgumentException("--data DIR is required");
		}
		Files.createDirectories(data);
		System.setProperty("redbag.hapi.db", "jdbc:h2:file:" + data.toAbsolutePath().resolve("h2") + ";DB_CLOSE_ON_EXIT=FALSE");

		AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext(HapiServerConfig.class);
		spring.registerShutdownHook();

		Server jetty = new Server(new InetSocketAddress(host, port));
		ServletContextHandler handler = new ServletContextHandler();
		handler.setContextPath("/");
		handler.addServlet(new ServletHolder(restfulServer(spring)), "/fhir/*");
		jetty.setHandler(handler);
		jetty.setStopAtShutdown(true);
		jetty.start();

		long loadStart = System.nanoTime();
		int loaded = new ConformanceLoader(spring.getBean(FhirContext.class), systemDao(spring)).load(conformance);

		int actualPort = ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
		String base = "http://" + host + ":" + actualPort + "/fhir";
		long millis = (System.nanoTime() - t0) / 1_000_000;
		long loadMillis = (System.nanoTime() - loadStart) / 1_000_000;
		System.out.println("redbag-hapi ready " + base + " in " + millis + " ms (" + loaded
				+ " conformance resources loaded in " + loadMillis + " ms)");
		if (readyFile != null) {
			Files.writeString(readyFile, base + "\n", StandardCharsets.UTF_8);
		}
		jetty.join();
	}

	@SuppressWarnings("unchecked")
	private static IFhirSystemDao<Bundle, Meta> systemDao(AnnotationConfigApplicationContext spring) {
		return spring.getBean(IFhirSystemDao.class);
	}

	/** The FHIR endpoint: every resource provider, transactions, paging, $validate, $everything. */
	@SuppressWarnings({"rawtypes", "unchecked"})
	static RestfulServer restfulServer(AnnotationConfigApplicationContext spring) {
		FhirContext fhir = spring.getBean(FhirContext.class);
		IFhirSystemDao systemDao = spring.getBean(IFhirSystemDao.class);
		JpaStorageSettings settings = spring.getBean(JpaStorageSettings.class);
		DaoRegistry daos = spring.getBean(DaoRegistry.class);

		RestfulServer server = new RestfulServer(fhir);
		server.registerProviders(spring.getBean(ResourceProviderFactory.class).createProviders());
		server.registerProviders(spring.getBeansOfType(IJpaSystemProvider.class).values());
		server.setServerConformanceProvider(new JpaCapabilityStatementProvider(
				server, systemDao, settings, spring.getBean(ISearchParamRegistry.class),
				spring.getBean(IValidationSupport.class)));
		DatabaseBackedPagingProvider paging = spring.getBean(DatabaseBackedPagingProvider.class);
		paging.setDefaultPageSize(20);
		paging.setMaximumPageSize(1000);
		server.setPagingProvider(paging);
		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		// DELETE ...?_cascade=delete lets a test clean up a resident and everything pointing at them.
		server.registerInterceptor(new CascadingDeleteInterceptor(
				fhir, daos, spring.getBean(IInterceptorBroadcaster.class),
				spring.getBean(ThreadSafeResourceDeleterSvc.class)));
		return server;
	}
}
