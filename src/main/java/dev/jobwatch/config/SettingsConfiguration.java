package dev.jobwatch.config;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class SettingsConfiguration {

    /**
     * The rules run once every singleton is made, whatever order they were made in, and before the web
     * server starts: no request is ever served under settings that break one. A singleton of this type
     * is made even when an operator turns lazy initialisation on.
     */
    @Bean
    SmartInitializingSingleton settingRules(
            RedisProperties redis,
            AuthProperties auth,
            LimitProperties limits,
            RetentionProperties retention,
            WatchProperties watch,
            BullMqProperties bullmq) {
        return new SettingRules(redis, auth, limits, retention, watch, bullmq)::check;
    }
}
