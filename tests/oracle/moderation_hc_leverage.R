# Oracle for HC standard errors at a point of leverage 1 (tests/test_moderation_hc_leverage.py).
# Run from the repository root:  Rscript tests/oracle/moderation_hc_leverage.R
# `pilot` is 1 for one row only, so that row's hat value is 1 and its residual 0: HC2 and HC3
# divide 0 by 0 and sandwich::vcovHC returns NaN; HC0 and HC1 exist.
suppressPackageStartupMessages({library(sandwich); library(jsonlite)})
d <- read.csv("tests/oracle/moderation_hc_leverage.csv")
fit <- lm(y ~ x * w + pilot, data = d)
out <- list(
  R_version = R.version.string, sandwich_version = as.character(packageVersion("sandwich")),
  max_hat = max(hatvalues(fit)), coefficients = as.list(coef(fit))
)
for (type in c("HC0", "HC1", "HC2", "HC3")) {
  V <- suppressWarnings(vcovHC(fit, type = type))
  out[[type]] <- list(se = as.list(sqrt(diag(V))), all_nan = all(is.nan(V)),
                      wald_f_interaction = unname(coef(fit)["x:w"]^2 / V["x:w", "x:w"]))
}
# Multiply y by 10: a finite HC3 SE that is noise would change by far more than 10 times.
d$y <- 10 * d$y
V10 <- suppressWarnings(vcovHC(lm(y ~ x * w + pilot, data = d), type = "HC3"))
out$HC3_y_times_10_all_nan <- all(is.nan(V10))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "string", pretty = TRUE),
           "tests/oracle/moderation_hc_leverage.json")
