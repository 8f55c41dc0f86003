package dev.jobwatch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.conditions.ArchPredicates.are;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package layering that a reader relies on: {@code web} on top, then {@code watch}, then the
 * {@code store} seam, with {@code job}, {@code auth} and {@code config} beside; Lettuce only in
 * {@code store}; the handlers see the store only through its seam.
 */
@AnalyzeClasses(packages = "dev.jobwatch", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** What the store shows its callers: its seam interfaces, the records they answer, its exceptions. */
    private static final DescribedPredicate<JavaClass> STORE_SEAM =
            new DescribedPredicate<>(
                    "the store's seam (interfaces, records and exceptions of dev.jobwatch.store, and the types within them)") {
                @Override
                public boolean test(JavaClass type) {
                    return type.getPackageName().equals("dev.jobwatch.store")
                            && (type.isInterface()
                                    || type.isRecord()
                                    || type.isAssignableTo(RuntimeException.class)
                                    || type.getEnclosingClass()
                                            .map(outer -> outer.isRecord() || outer.isInterface())
                                            .orElse(false));
                }
            };

    @ArchTest
    static final ArchRule onlyTheStoreTalksToRedis = noClasses()
            .that()
            .resideOutsideOfPackage("dev.jobwatch.store..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.lettuce..");

    @ArchTest
    static final ArchRule theRoutesSeeTheStoreOnlyThroughItsSeam = noClasses()
            .that()
            .resideInAnyPackage("dev.jobwatch.web..", "dev.jobwatch.watch..", "dev.jobwatch.demo..")
            .should()
            .dependOnClassesThat(are(resideInAPackage("dev.jobwatch.store..")).and(not(STORE_SEAM)))
            .because("the routing between sources and Redis itself live below the seam");

    @ArchTest
    static final ArchRule nothingBelowTheRoutesKnowsThem = noClasses()
            .that()
            .resideInAnyPackage(
                    "dev.jobwatch.watch..",
                    "dev.jobwatch.store..",
                    "dev.jobwatch.auth..",
                    "dev.jobwatch.config..",
                    "dev.jobwatch.job..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.jobwatch.web..");

    @ArchTest
    static final ArchRule theStoreKnowsNoWatcher = noClasses()
            .that()
            .resideInAnyPackage(
                    "dev.jobwatch.store..", "dev.jobwatch.auth..", "dev.jobwatch.config..", "dev.jobwatch.job..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.jobwatch.watch..");

    @ArchTest
    static final ArchRule theModelAndSettingsStandAlone = noClasses()
            .that()
            .resideInAnyPackage("dev.jobwatch.job..", "dev.jobwatch.config..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.jobwatch.store..", "dev.jobwatch.auth..", "dev.jobwatch.demo..");

    @ArchTest
    static final ArchRule noPackageCycles =
            slices().matching("dev.jobwatch.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule theRoutesKnowNothingOfBullMq = noClasses()
            .that()
            .resideInAnyPackage("dev.jobwatch.web..", "dev.jobwatch.watch..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.jobwatch.store.bullmq..");
}
