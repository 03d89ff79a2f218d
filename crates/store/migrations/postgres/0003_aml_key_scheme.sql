-- AML retrieval keys, scheme 2 (see hawiya_documents::screening::entry_set_keys): name
-- skeleton sets and drop-one keys instead of token pairs, plus a date-of-birth key. Lists
-- imported before this migration keep their pair keys (scheme 1), which queries still read
-- while any such list remains; re-importing a list moves it to scheme 2.
-- Keep in step with ../sqlite/0003_aml_key_scheme.sql.
ALTER TABLE aml_lists ADD COLUMN key_scheme INTEGER NOT NULL DEFAULT 1;
