# Reference values for implsupport.sustainment from R's survival package (survfit, survdiff).
# Data: tests/oracle/km_data.csv, made up for this test (ties, censoring at event times, a
# curve that ends at 0, one that is exactly 0.5 over a flat stretch, one that never reaches 0.5).
# Re-run from the repository root:  Rscript tests/oracle/km_survival.R > tests/oracle/km_survival.json
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
d <- read.csv("tests/oracle/km_data.csv", stringsAsFactors = FALSE)

curve <- function(fit) {
  s <- summary(fit, censored = FALSE)
  list(time = s$time, n_risk = s$n.risk, n_events = s$n.event, survival = s$surv,
       se = s$std.err, lower = s$lower, upper = s$upper)
}
median_of <- function(fit) {
  q <- quantile(fit, probs = 0.5)
  list(median = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper))
}
one <- function(rows, conf_type, level) {
  fit <- survfit(Surv(years, closed) ~ 1, data = rows, conf.type = conf_type, conf.int = level)
  c(list(conf_type = conf_type, level = level), curve(fit), list(median = median_of(fit)))
}

overall <- list()
for (ct in c("log", "log-log", "plain")) {
  for (level in c(0.95, 0.9)) overall[[length(overall) + 1]] <- one(d, ct, level)
}
groups <- list()
for (g in sort(unique(d$arm))) groups[[g]] <- one(d[d$arm == g, ], "log", 0.95)

# Two curves that are exactly 0.5 over a flat stretch: R takes the midpoint of the stretch
# (to the next event, or to the last observation when no event follows).
half <- data.frame(years = c(1, 2, 3, 5, 7, 10), closed = c(1, 1, 1, 1, 0, 0))
half_last <- data.frame(years = c(1, 2, 3, 5, 7, 10), closed = c(1, 1, 1, 0, 0, 0))
special <- list(half = one(half, "log", 0.95), half_last = one(half_last, "log", 0.95))

test <- survdiff(Surv(years, closed) ~ arm, data = d)
test_ab <- survdiff(Surv(years, closed) ~ arm, data = d[d$arm %in% c("A", "B"), ])
# A group whose only unit leaves before the first event: R leaves it out of the test and its df.
absent <- data.frame(years = c(1, 2, 3, 0.5, 4, 5), closed = c(1, 1, 1, 0, 1, 0),
                     arm = c("a", "a", "a", "b", "c", "c"))
test_absent <- survdiff(Surv(years, closed) ~ arm, data = absent)
logrank <- function(t) {
  list(groups = sub("arm=", "", names(t$n)), n = as.integer(t$n), observed = t$obs,
       expected = t$exp, chisq = t$chisq, df = sum(t$exp > 0) - 1L,
       p_value = pchisq(t$chisq, sum(t$exp > 0) - 1L, lower.tail = FALSE))
}
out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  overall = overall,
  groups = groups,
  special = special,
  logrank = logrank(test),
  logrank_ab = logrank(test_ab),
  logrank_absent = c(logrank(test_absent), list(data = absent))
)
cat(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE), "\n")
