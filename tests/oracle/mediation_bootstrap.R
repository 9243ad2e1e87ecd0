# Oracle for implsupport.moderation.fit_mediation (tests/test_mediation.py): PROCESS models 4, 7
# and 14 by lm(), and a case-resampling percentile bootstrap written here from scratch.
# Run from the repository root:  Rscript tests/oracle/mediation_bootstrap.R
# Data: tests/oracle/mediation_data.csv (simulated for this test; columns y, x, m, w, age).
suppressPackageStartupMessages(library(jsonlite))
d <- read.csv("tests/oracle/mediation_data.csv")
B <- 20000
alpha <- 0.05
probes <- unname(quantile(d$w, c(0.16, 0.50, 0.84), type = 6))  # (n + 1)p, as PROCESS
coefs <- function(formula, data) unname(coef(lm(formula, data = data)))
equations <- list(
  m4 = list(m = m ~ x + age, y = y ~ x + m + age),
  m7 = list(m = m ~ x + w + x:w + age, y = y ~ x + m + age),
  m14 = list(m = m ~ x + age, y = y ~ x + m + w + m:w + age)
)
# Effects of each model from its two coefficient vectors (names as lm orders the terms).
effects <- function(model, bm, by) {
  if (model == "m4") return(c(indirect = bm[2] * by[3]))
  if (model == "m7") return(c((bm[2] + bm[5] * probes) * by[3], index = bm[5] * by[3]))
  c(bm[2] * (by[3] + by[6] * probes), index = bm[2] * by[6])
}
out <- list(R_version = R.version.string, B = B, probes = probes, models = list())
for (model in names(equations)) {
  eq <- equations[[model]]
  fm <- lm(eq$m, data = d)
  fy <- lm(eq$y, data = d)
  est <- effects(model, coef(fm), coef(fy))
  set.seed(20261201)
  boot <- t(replicate(B, {
    s <- d[sample.int(nrow(d), replace = TRUE), ]
    effects(model, coefs(eq$m, s), coefs(eq$y, s))
  }))
  if (model == "m4") boot <- t(boot)
  out$models[[model]] <- list(
    mediator_coefficients = as.list(coef(fm)), mediator_se = as.list(sqrt(diag(vcov(fm)))),
    outcome_coefficients = as.list(coef(fy)), outcome_se = as.list(sqrt(diag(vcov(fy)))),
    estimate = unname(est),
    boot_se = unname(apply(boot, 2, sd)),
    boot_ci_low = unname(apply(boot, 2, quantile, alpha / 2, type = 7)),
    boot_ci_high = unname(apply(boot, 2, quantile, 1 - alpha / 2, type = 7))
  )
  if (model == "m4") {
    ft <- lm(y ~ x + age, data = d)
    out$models[[model]]$total <- unname(coef(ft)["x"])
    out$models[[model]]$total_se <- unname(sqrt(diag(vcov(ft)))["x"])
  }
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/oracle/mediation_bootstrap.json")
