# Oracle for a categorical (3-group, text) moderator (tests/test_moderation_categorical.py).
# Run from the repository root:  Rscript tests/oracle/moderation_categorical.R
# The effect of hours in each group is the slope of hours within that group's terms of
# lm(fidelity ~ hours * strategy + years); its SE comes from vcov (classical) or
# sandwich::vcovHC(type = "HC3"). The omnibus test compares the models with and without the
# interaction (anova for classical; the Wald F for HC3).
suppressPackageStartupMessages({library(sandwich); library(jsonlite)})
d <- read.csv("tests/oracle/moderation_categorical.csv")
d$strategy <- factor(d$strategy)  # levels sorted alphabetically: audit, coaching, peer network
full <- lm(fidelity ~ hours * strategy + years, data = d)
reduced <- lm(fidelity ~ hours + strategy + years, data = d)
b <- coef(full)
h <- grep("^hours:strategy", names(b))
C <- rbind(c(1, 0, 0), c(1, 1, 0), c(1, 0, 1))  # rows: groups; columns: hours, then h terms
idx <- c(which(names(b) == "hours"), h)
out <- list(R_version = R.version.string, groups = levels(d$strategy),
            group_sizes = as.vector(table(d$strategy)))
for (type in c("classical", "HC3")) {
  V <- if (type == "classical") vcov(full) else vcovHC(full, type = "HC3")
  Vs <- V[idx, idx]
  effect <- as.vector(C %*% b[idx])
  se <- sqrt(diag(C %*% Vs %*% t(C)))
  if (type == "classical") {
    a <- anova(reduced, full)
    F <- a$F[2]
  } else {
    F <- as.numeric(t(b[h]) %*% solve(V[h, h]) %*% b[h]) / length(h)
  }
  out[[type]] <- list(effect = effect, se = se, F = F, df1 = length(h),
                      df2 = full$df.residual, p = pf(F, length(h), full$df.residual,
                                                      lower.tail = FALSE))
}
out$r2 <- summary(full)$r.squared
out$r2_change <- summary(full)$r.squared - summary(reduced)$r.squared
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/oracle/moderation_categorical.json")
