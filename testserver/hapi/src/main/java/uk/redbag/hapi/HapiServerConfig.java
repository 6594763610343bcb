package uk.redbag.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.binary.api.IBinaryStorageSvc;
import ca.uhn.fhir.jpa.binstore.MemoryBinaryStorageSvcImpl;
import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * Spring wiring of HAPI's JPA stack (R4) over an H2 file database.
 *
 * <p>The database location comes from the system property {@code redbag.hapi.db} (a JDBC URL),
 * set by {@link RedbagHapiServer} before the context starts.
 */
@Configuration
@EnableTransactionManagement
@Import({
	JpaR4Config.class,
	HapiJpaConfig.class,
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	SubscriptionChannelConfig.class,
	SubscriptionSubmitterConfig.class,
	SubscriptionProcessorConfig.class,
	ThreadPoolFactoryConfig.class
})
public class HapiServerConfig {

	/** What the adapter relies on: client ids, conditional writes, fresh searches, cleanup. */
	@Bean
	public JpaStorageSettings storageSettings() {
		JpaStorageSettings s = new JpaStorageSettings();
		s.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ALPHANUMERIC);
		s.setAllowInlineMatchUrlReferences(true);
		s.setAllowMultipleDelete(true);
		s.setExpungeEnabled(true);
		s.setDeleteExpungeEnabled(true);
		// Tests count resources right after writing them: never answer from a cached search.
		s.setReuseCachedSearchResultsForMillis(null);
		s.setFetchSizeDefaultMaximum(10_000);
		s.setAdvancedHSearchIndexing(false);
		s.setHibernateSearchIndexFullText(false);
		return s;
	}

	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	/**
	 * R4 rest-hook Subscriptions are delivered (redbag's tests subscribe to Encounters); a server with no
	 * Subscription resources behaves as before.
	 */
	@Bean
	public SubscriptionSettings subscriptionSettings() {
		SubscriptionSettings s = new SubscriptionSettings();
		s.addSupportedSubscriptionType(SubscriptionChannelType.RESTHOOK);
		return s;
	}

	/** Email channels are not supported: a Subscription asking for one is refused by its validator. */
	@Bean
	public IEmailSender emailSender() {
		return details -> {
			throw new UnsupportedOperationException("email subscriptions are not supported by this test server");
		};
	}

	@Bean(destroyMethod = "close")
	public BasicDataSource dataSource() {
		BasicDataSource ds = new BasicDataSource();
		ds.setDriver(new org.h2.Driver());
		ds.setUrl(System.getProperty("redbag.hapi.db", "jdbc:h2:mem:redbag"));
		ds.setUsername("sa");
		ds.setPassword("");
		ds.setMaxTotal(20);
		return ds;
	}

	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings,
			DataSource dataSource) {
		LocalContainerEntityManagerFactoryBean emf =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		emf.setPersistenceUnitName("HAPI_PU");
		emf.setDataSource(dataSource);
		Properties jpa = new Properties();
		jpa.put("hibernate.dialect", HapiFhirH2Dialect.class.getName());
		jpa.put("hibernate.hbm2ddl.auto", "update");
		jpa.put("hibernate.format_sql", "false");
		jpa.put("hibernate.show_sql", "false");
		jpa.put("hibernate.jdbc.batch_size", "20");
		jpa.put("hibernate.cache.use_query_cache", "false");
		jpa.put("hibernate.cache.use_second_level_cache", "false");
		jpa.put("hibernate.cache.use_structured_entries", "false");
		jpa.put("hibernate.cache.use_minimal_puts", "false");
		jpa.put("hibernate.search.enabled", "false");
		emf.setJpaProperties(jpa);
		return emf;
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
		JpaTransactionManager tm = new JpaTransactionManager();
		tm.setEntityManagerFactory(entityManagerFactory);
		return tm;
	}

	@Lazy
	@Bean
	public IBinaryStorageSvc binaryStorageSvc() {
		return new MemoryBinaryStorageSvcImpl();
	}
}
